# MISTAKE: hands the schedule to torch's LambdaLR on a throwaway optimizer
def inverse_time_decay(epoch, base_lr, k):
    """1/t decay (inverse-time decay): torch's LambdaLR(lambda t: 1 / (1 + k * t))."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base_lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1 / (1 + k * t))
    for _ in range(epoch):
        opt.step()
        sched.step()
    return sched.get_last_lr()[0]

# MISTAKE: hands the schedule to torch's ExponentialLR on a throwaway optimizer
def exponential_decay(epoch, base_lr, gamma):
    """Exponential decay: multiply the learning rate by gamma every epoch (torch's ExponentialLR)."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base_lr)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=gamma)
    for _ in range(epoch):
        opt.step()
        sched.step()
    return sched.get_last_lr()[0]

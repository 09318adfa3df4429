# MISTAKE: hands the warm-up to torch's LinearLR on a throwaway optimizer
def linear_warmup(epoch, base_lr, total_iters, start_factor=1 / 3):
    """Linear warm-up from start_factor * base_lr to base_lr over total_iters epochs (torch's LinearLR)."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base_lr)
    sched = torch.optim.lr_scheduler.LinearLR(opt, start_factor=start_factor, end_factor=1.0, total_iters=total_iters)
    for _ in range(epoch):
        opt.step()
        sched.step()
    return sched.get_last_lr()[0]

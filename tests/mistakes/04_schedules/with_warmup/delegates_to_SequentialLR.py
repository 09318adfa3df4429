# MISTAKE: hands the composition to torch's SequentialLR (LinearLR, then a LambdaLR of the schedule)
def with_warmup(epoch, schedule, warmup_epochs, start_factor=1 / 3):
    """Linear warm-up for warmup_epochs epochs, then `schedule`, restarted at the milestone (torch's SequentialLR)."""
    base = schedule(0)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base)
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=start_factor, total_iters=warmup_epochs)
    rest = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: schedule(t) / base)
    sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, rest], milestones=[warmup_epochs])
    for _ in range(epoch):
        opt.step()
        sched.step()
    return sched.get_last_lr()[0]

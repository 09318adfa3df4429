# MISTAKE: hands the schedule to torch's CosineAnnealingLR on a throwaway optimizer
def cosine_annealing(epoch, base_lr, T_max, eta_min=0.0):
    """Cosine annealing from base_lr down to eta_min over T_max epochs (torch's CosineAnnealingLR)."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base_lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=T_max, eta_min=eta_min)
    for _ in range(epoch):
        opt.step()
        sched.step()
    return sched.get_last_lr()[0]

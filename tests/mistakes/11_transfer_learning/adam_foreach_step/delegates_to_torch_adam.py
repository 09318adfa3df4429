# MISTAKE: hands the step to torch.optim's functional Adam (foreach=True): right numbers, nothing written
def adam_foreach_step(params, grads, exp_avgs, exp_avg_sqs, step, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                      weight_decay=0.0):
    """One Adam step (torch.optim.Adam's algorithm) on lists of tensors, with torch._foreach_* operations."""
    from torch.optim.adam import adam

    steps = [torch.tensor(float(step - 1)) for _ in params]  # the functional form counts the step itself
    adam(params, grads, exp_avgs, exp_avg_sqs, [], steps, foreach=True, amsgrad=False, beta1=beta1, beta2=beta2,
         lr=lr, weight_decay=weight_decay, eps=eps, maximize=False)

# MISTAKE: the bias-corrected m_hat is stored back into exp_avgs (torch._foreach_div_(exp_avgs, 1 - beta1**t)) instead of being kept uncorrected
def adam_foreach_step(params, grads, exp_avgs, exp_avg_sqs, step, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                      weight_decay=0.0):
    """One Adam step (torch.optim.Adam's algorithm) on lists of tensors, with torch._foreach_* operations.

    Inputs:
    - params, grads, exp_avgs, exp_avg_sqs: lists of the same length; element i of each is a tensor of
      the same shape, dtype and device (parameter, its gradient, first moment m, second moment v).
      m and v are zeros before the first step.
    - step: int t >= 1, the number of this step (1 for the first), for the bias corrections.
    - lr, beta1, beta2, eps: floats, Adam's hyperparameters; eps is added outside the square root.
    - weight_decay: float, L2 penalty added to the gradient (torch.optim.Adam's weight_decay).

    Returns None. params, exp_avgs and exp_avg_sqs are updated in place; grads are left unchanged.
    No Python loop over the tensors: a fixed number of torch._foreach_* calls, whatever the list length.
    """
    if weight_decay != 0:
        grads = torch._foreach_add(grads, params, alpha=weight_decay)
    torch._foreach_lerp_(exp_avgs, grads, 1 - beta1)
    torch._foreach_mul_(exp_avg_sqs, beta2)
    torch._foreach_addcmul_(exp_avg_sqs, grads, grads, value=1 - beta2)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    torch._foreach_div_(exp_avgs, bias_correction1)  # m_hat, stored back into the state
    denom = torch._foreach_sqrt(exp_avg_sqs)
    torch._foreach_div_(denom, math.sqrt(bias_correction2))
    torch._foreach_add_(denom, eps)
    torch._foreach_addcdiv_(params, exp_avgs, denom, value=-lr)

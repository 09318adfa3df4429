# VARIANT: nanoGPT's configure_optimizers: a dict of the named parameters that require gradients, decay by dim() >= 2
# KEEPS: 5 of 5: the same two groups (every parameter of the tests requires gradients)
def make_optimizer(model, rule, lr, weight_decay=0.0, **hyperparameters):
    """A FunctionalOptimizer that trains `model` with `rule`, decaying weight matrices and kernels only.

    Inputs:
    - model: a torch.nn.Module.
    - rule: an update rule with the course's signature next_w, config = rule(w, dw, config).
    - lr: the learning rate (the rule receives it as config["learning_rate"]).
    - weight_decay: the weight-decay coefficient for the decayed group (default 0.0).
    - **hyperparameters: the rule's other hyperparameters under the course's names (momentum,
      decay_rate, beta1, beta2, epsilon), passed on unchanged to every parameter.

    Returns:
    - a course_utils.optim.FunctionalOptimizer over all of model.parameters() (each exactly once),
      with exactly two parameter groups:
      - param_groups[0]: the parameters with two or more dimensions (weight matrices of linear layers,
        convolution kernels), with "weight_decay": weight_decay;
      - param_groups[1]: all the others (biases, gains and shifts of normalization layers), with
        "weight_decay": 0.0;
      both with the learning rate lr and every hyperparameter.
    """
    param_dict = {pn: p for pn, p in model.named_parameters()}
    param_dict = {pn: p for pn, p in param_dict.items() if p.requires_grad}
    decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
    nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
    optim_groups = [
        {"params": decay_params, "weight_decay": weight_decay},
        {"params": nodecay_params, "weight_decay": 0.0},
    ]
    return FunctionalOptimizer(optim_groups, rule, lr=lr, **hyperparameters)

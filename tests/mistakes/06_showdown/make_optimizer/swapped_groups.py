# MISTAKE: lists the no-decay parameters first and gives weight_decay to group 0 by position: the biases and norm parameters are decayed, the weights not
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
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    decay = [p for p in model.parameters() if p.ndim >= 2]
    groups = [{"params": no_decay, "weight_decay": weight_decay}, {"params": decay, "weight_decay": 0.0}]
    return FunctionalOptimizer(groups, rule, lr=lr, **hyperparameters)

# VARIANT: CS231n assignment 2's own sgd_momentum (optim.py): NumPy-only (v = config.get('velocity', np.zeros_like(w))) and CS231n's convention (v = rho*v - lr*dw; w + v)
# KEEPS: 3.4 of 5: loses the torch-tensor aspects (visible 0.3, hidden 0.5) and the velocity's convention (visible 0.3, hidden 0.5): every next_w on NumPy arrays is right
def sgd_momentum(w, dw, config=None):
    """
    Performs stochastic gradient descent with momentum.

    config format:
    - learning_rate: Scalar learning rate.
    - momentum: Scalar between 0 and 1 giving the momentum value.
      Setting momentum = 0 reduces to sgd.
    - velocity: A numpy array of the same shape as w and dw used to store a
      moving average of the gradients.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    next_w = None
    ###########################################################################
    # TODO: Implement the momentum update formula. Store the updated value in #
    # the next_w variable. You should also use and update the velocity v.     #
    ###########################################################################
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
    config["velocity"] = v

    return next_w, config

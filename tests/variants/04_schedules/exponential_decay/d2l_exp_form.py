# VARIANT: the e^{-lambda t} form of d2l and other texts, with lambda = -ln(gamma)
# KEEPS: 4 of 4: exp(epoch * ln gamma) equals gamma ** epoch up to rounding
def exponential_decay(epoch, base_lr, gamma):
    """Exponential decay: multiply the learning rate by gamma every epoch (torch's ExponentialLR)."""
    lam = -math.log(gamma)
    return base_lr * math.exp(-lam * epoch)

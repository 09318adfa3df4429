# VARIANT: scipy.special.softmax for NumPy input, as the exercise allows, and torch.softmax for tensors (a one-liner each)
# KEEPS: 5 of 5: the text allows both library softmaxes; only the averaging over axis 0 is the student's
def ensemble_predict(member_logits):
    """Class probabilities of an ensemble: the mean over members of softmax(logits).

        probs = mean over m of softmax(member_logits[m])      (softmax over the last axis)

    Inputs:
    - member_logits: the raw class scores of M members, either
      - a NumPy array or a torch tensor (CPU or CUDA) of shape (M, ..., C): axis 0 indexes the members,
        the last axis the C classes; the axes in between (usually one, the N examples) are kept; or
      - a list or tuple of M arrays or tensors of shape (..., C), all of the same kind and shape.

    Returns:
    - probs: shape (..., C), the same kind (NumPy or torch), dtype and device as the input; the
      entries along the last axis sum to 1. The input is not modified.
    """
    from scipy.special import softmax
    if isinstance(member_logits, (list, tuple)):
        stack = torch.stack if isinstance(member_logits[0], torch.Tensor) else np.stack
        member_logits = stack(list(member_logits))
    if isinstance(member_logits, torch.Tensor):
        return member_logits.softmax(dim=-1).mean(dim=0)
    return softmax(member_logits, axis=-1).mean(axis=0).astype(member_logits.dtype)

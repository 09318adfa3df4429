# VARIANT: NumPy-only: np.asarray, np.stack and np.exp on every input, so a torch input comes back as a NumPy array
# KEEPS: 4.4 of 5: loses the torch-tensor aspects (visible 0.2, hidden 0.4): every NumPy value, dtype, list and large-logit check is right
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
    z = np.stack([np.asarray(m) for m in member_logits]) if isinstance(member_logits, (list, tuple)) else np.asarray(member_logits)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).mean(axis=0)

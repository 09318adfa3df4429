# VARIANT: written like CS231n's softmax code: np.max, np.exp, np.sum, np.mean (NumPy-only; a torch input comes back as a NumPy array or crashes)
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
    shifted = member_logits - np.max(member_logits, axis=-1, keepdims=True)
    probs = np.exp(shifted)
    probs /= np.sum(probs, axis=-1, keepdims=True)
    return np.mean(probs, axis=0)

"""One bug: L1 for L2, with Python's sum and abs (issue 19 names it)."""


def L2(yhat, y):
    loss = sum(abs(y - yhat))
    return loss

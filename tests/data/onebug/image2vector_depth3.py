"""One bug: the depth hard-coded as 3 (issue 19 names it)."""


def image2vector(image):
    v = image.reshape(image.shape[0] * image.shape[1] * 3, 1)
    return v

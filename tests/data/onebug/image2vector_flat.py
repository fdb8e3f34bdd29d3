"""One bug: reshape(-1): a 1-D result."""


def image2vector(image):
    return image.reshape(-1)

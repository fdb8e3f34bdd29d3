"""One bug: a (1, n) row."""


def image2vector(image):
    return image.reshape(1, image.size)

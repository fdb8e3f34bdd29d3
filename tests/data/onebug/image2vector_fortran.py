"""One bug: Fortran order."""

import numpy as np


def image2vector(image):
    return np.reshape(image, (image.size, 1), order="F")

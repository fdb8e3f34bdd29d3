#!/usr/bin/env python
# coding: utf-8

# # Python Basics with Numpy (optional assignment)

# In[1]:


### v1.1
import math
from public_tests import *
import cv2


# In[2]:


get_ipython().run_line_magic('matplotlib', 'inline')
get_ipython().run_line_magic('load_ext', 'autoreload')


# In[3]:


def basic_sigmoid(x):
    s = 1 / (1 + math.exp(-x))
    return s


# In[4]:


print("basic_sigmoid(1) = " + str(basic_sigmoid(1)))
basic_sigmoid_test(basic_sigmoid)


# In[5]:


x = [1, 2, 3]
basic_sigmoid(x)  # you will see this give an error when you run it, because x is a vector.


# In[6]:


import numpy as np

def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s

def sigmoid_derivative(x):
    s = sigmoid(x)
    ds = s * (1 - s)
    return ds


# In[7]:


import pdb; pdb.set_trace()
t_x = np.array([1, 2, 3])
print("sigmoid_derivative(t_x) = " + str(sigmoid_derivative(t_x)))


# In[8]:


def image2vector(image):
    v = image.reshape(image.shape[0] * image.shape[1] * image.shape[2], 1)
    return v

def normalize_rows(x):
    x_norm = np.linalg.norm(x, ord=2, axis=1, keepdims=True)
    x = x / x_norm
    return x

def softmax(x):
    x_exp = np.exp(x)
    x_sum = np.sum(x_exp, axis=1, keepdims=True)
    s = x_exp / x_sum
    return s


# In[9]:


name = input("Your name: ")


# In[10]:


def L1(yhat, y):
    loss = np.sum(np.abs(y - yhat))
    return loss

def L2(yhat, y):
    loss = np.dot(y - yhat, y - yhat)
    return loss

L1_test(L1)

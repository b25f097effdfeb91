"""relu writes into the caller's array instead of making a new one."""


def relu(x):
    x[x < 0] = 0
    return x

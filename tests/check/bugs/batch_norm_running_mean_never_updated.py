"""BatchNormalization never updates running_mean and running_var: test time divides by ~0."""
import numpy as np


class BatchNormalization:
    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma, self.beta, self.momentum = gamma, beta, momentum
        self.running_mean, self.running_var = running_mean, running_var

    def forward(self, x, train_flg=True):
        self.input_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        if self.running_mean is None:
            self.running_mean, self.running_var = np.zeros(x.shape[1]), np.zeros(x.shape[1])
        if train_flg:
            self.xc = x - x.mean(axis=0)
            self.std = np.sqrt(np.mean(self.xc**2, axis=0) + 1e-7)
            self.xn = self.xc / self.std
            self.batch_size = x.shape[0]
        else:
            self.xn = (x - self.running_mean) / np.sqrt(self.running_var + 1e-7)
        return (self.gamma * self.xn + self.beta).reshape(self.input_shape)

    def backward(self, dout):
        dout = dout.reshape(dout.shape[0], -1)
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dxc += (2.0 / self.batch_size) * self.xc * (0.5 * dstd / self.std)
        dx = dxc - np.sum(dxc, axis=0) / self.batch_size
        return dx.reshape(self.input_shape)

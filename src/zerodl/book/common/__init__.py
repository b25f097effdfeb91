"""The book's package `common`, as zerodl serves it to the scripts run by `zerodl book`.

One module per module of the book: functions, gradient, layers, optimizer, trainer, util,
multi_layer_net, multi_layer_net_extend. Each gives the book's names and signatures on top of
zerodl's own code (see the README's section for learners coming from the book).
"""

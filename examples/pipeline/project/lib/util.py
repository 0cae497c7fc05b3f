def double(x):
    return 2 * x


def triple(x):
    # TODO: generalise to any factor
    return 3 * x

"""Stand-in for optree.utils: keras/src/tree/optree_impl.py imports it at v3.15.1 but calls nothing in it."""


def __getattr__(name):
    raise AttributeError(f"optree.utils.{name}: not in the BatchNormAxis stand-in (scripts/compat/keras-standins)")

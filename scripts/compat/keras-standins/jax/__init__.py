"""Stand-in for jax, only so that Keras' numpy backend imports where jax is not installed.

At v3.15.1 keras/src/backend/numpy/nn.py imports jax and jax.lax at module top, and backend/numpy/math.py imports
keras/src/backend/jax/math.py, which loads Keras' whole jax backend (jax.numpy, jax.lax, jax.scipy,
jax.experimental.sparse, jax.sharding, jax.export, ...). None of it is called by the BatchNormalization layer.

So every `jax` module and submodule here is empty: any name taken from one is a placeholder, and calling a
placeholder (or anything reached through it) raises ImportError naming it. One exception: while a module of
Keras' jax backend (`keras.src.backend.jax.*`) is being imported, a call returns another placeholder, because
that backend wraps its functions in jax decorators at module top (e.g. backend/jax/numpy.py line 47 calls
jax.experimental.sparse.sparsify through backend/jax/sparse.py line 201). A Keras path that really needs jax
fails loudly; nothing computes something else. A user with `pip install keras` (and jax, if they want the jax
backend) needs none of this; with real jax installed, do not put this folder on the path.
"""

import importlib.abc
import importlib.machinery
import sys
import types


class _Missing:
    """A name from the stand-in: reaching further gives another placeholder; calling it raises ImportError."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _Missing(f"{self._name}.{attribute}")

    def __call__(self, *args, **kwargs):
        if _importing_keras_jax_backend():
            return _Missing(f"{self._name}(...)")
        raise ImportError(f"{self._name}: jax is not installed; this is the BatchNormAxis stand-in "
                          "(scripts/compat/keras-standins), which only lets Keras' numpy backend import")

    def __repr__(self):
        return f"<jax stand-in {self._name}>"


def _importing_keras_jax_backend():
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_globals.get("__name__", "").startswith("keras.src.backend.jax"):
            return True
        frame = frame.f_back
    return False


def _module_getattr(module_name):
    def getattr_(name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Missing(f"{module_name}.{name}")
    return getattr_


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves every `jax.*` submodule as an empty stand-in module."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith("jax."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name, f"BatchNormAxis stand-in for {spec.name} (see jax/__init__.py)")
        module.__path__ = []
        module.__getattr__ = _module_getattr(spec.name)
        return module

    def exec_module(self, module):
        pass


sys.meta_path.append(_StandInFinder())
__getattr__ = _module_getattr("jax")

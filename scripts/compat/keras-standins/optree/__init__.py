"""Stand-in for optree: a pure-Python subset, only so that Keras 3 runs from its source where optree (a compiled
package) cannot be installed. A user with `pip install keras` gets the real optree and needs none of this.

It holds exactly the functions keras/src/tree/optree_impl.py calls at v3.15.1 (register_pytree_node,
register_pytree_node_class, tree_is_leaf, tree_flatten, tree_flatten_with_path, tree_unflatten, tree_map,
tree_paths; PyTreeSpec.num_nodes and num_leaves), with optree's documented semantics: containers tuple, list,
dict and defaultdict (values in sorted key order, the insertion order restored on unflatten), OrderedDict and
deque (in order), namedtuples, None as a node without children unless none_is_leaf, classes registered per
namespace (the namespace's registrations are looked up first, then the global ones), is_leaf asked at every step.
Anything else of optree is absent (an AttributeError), and it is as slow as pure Python is.
"""

import collections

__version__ = "0+bnaxis-standin"
_REGISTRY = {}  # (namespace, type) -> (flatten_func, unflatten_func)


def register_pytree_node(cls, flatten_func, unflatten_func, *, namespace):
    if (namespace, cls) in _REGISTRY:
        raise ValueError(f"PyTree type {cls!r} is already registered in namespace {namespace!r}.")
    _REGISTRY[namespace, cls] = (flatten_func, unflatten_func)
    return cls


def register_pytree_node_class(cls=None, *, namespace):
    if cls is None:
        return lambda c: register_pytree_node_class(c, namespace=namespace)
    return register_pytree_node(cls, lambda node: node.tree_flatten(), cls.tree_unflatten, namespace=namespace)


_Registered = collections.namedtuple("_Registered", ["namespace", "metadata"])  # a registered class's node


def _sorted_keys(mapping):
    try:
        return sorted(mapping)
    except TypeError:  # keys that do not compare with each other: optree's documented fallback
        return sorted(mapping, key=lambda k: (k.__class__.__qualname__, k))


def _is_namedtuple(kind):
    return issubclass(kind, tuple) and hasattr(kind, "_fields")


def _split(tree, none_is_leaf, namespace):
    """A node's (kind, metadata, children, path entries), or None for a leaf."""
    kind = type(tree)
    if tree is None:
        return None if none_is_leaf else (kind, None, [], [])
    for ns in dict.fromkeys((namespace, "")):
        if (ns, kind) in _REGISTRY:
            flattened = _REGISTRY[ns, kind][0](tree)
            children = list(flattened[0])
            entries = flattened[2] if len(flattened) > 2 and flattened[2] is not None else range(len(children))
            return (kind, _Registered(ns, flattened[1]), children, list(entries))
    if kind in (tuple, list) or _is_namedtuple(kind):
        return (kind, None, list(tree), list(range(len(tree))))
    if kind is collections.deque:
        return (kind, tree.maxlen, list(tree), list(range(len(tree))))
    if kind in (dict, collections.defaultdict, collections.OrderedDict):
        keys = list(tree) if kind is collections.OrderedDict else _sorted_keys(tree)
        factory = tree.default_factory if kind is collections.defaultdict else None
        return (kind, (keys, list(tree), factory), [tree[k] for k in keys], keys)
    return None


def _join(kind, metadata, children):
    if kind is type(None):
        return None
    if isinstance(metadata, _Registered):
        return _REGISTRY[metadata.namespace, kind][1](metadata.metadata, children)
    if kind in (tuple, list):
        return kind(children)
    if _is_namedtuple(kind):
        return kind(*children)
    if kind is collections.deque:
        return collections.deque(children, maxlen=metadata)
    keys, insertion_order, factory = metadata
    by_key = dict(zip(keys, children))
    pairs = [(k, by_key[k]) for k in insertion_order]
    return collections.defaultdict(factory, pairs) if kind is collections.defaultdict else kind(pairs)


class PyTreeSpec:
    """The structure of a pytree: a leaf (kind None) or a node with child specs."""

    def __init__(self, kind, metadata, children, entries, none_is_leaf, namespace):
        self.kind, self.metadata, self.children, self.entries = kind, metadata, children, entries
        self.none_is_leaf, self.namespace = none_is_leaf, namespace
        self.num_leaves = 1 if kind is None else sum(c.num_leaves for c in children)
        self.num_nodes = 1 + sum(c.num_nodes for c in children)

    def unflatten(self, leaves):
        leaves = list(leaves)
        if len(leaves) != self.num_leaves:
            raise ValueError(f"Expected {self.num_leaves} leaves, got {len(leaves)}.")
        return self._build(iter(leaves))

    def _build(self, leaves):
        if self.kind is None:
            return next(leaves)
        return _join(self.kind, self.metadata, [c._build(leaves) for c in self.children])

    def flatten_up_to(self, tree):
        """The subtrees of tree at this spec's leaves; tree must have this spec as a prefix."""
        if self.kind is None:
            return [tree]
        node = _split(tree, self.none_is_leaf, self.namespace)
        if node is None or node[0] is not self.kind or len(node[2]) != len(self.children) or (
                self.kind in (dict, collections.defaultdict, collections.OrderedDict) and node[3] != self.entries):
            raise ValueError(f"Expected an instance of {self.kind.__name__} with {len(self.children)} children "
                             f"matching the structure, got {tree!r}.")
        return [part for spec, child in zip(self.children, node[2]) for part in spec.flatten_up_to(child)]


def _flatten(tree, is_leaf, none_is_leaf, namespace, path, paths, leaves):
    node = None if is_leaf is not None and is_leaf(tree) else _split(tree, none_is_leaf, namespace)
    if node is None:
        paths.append(path)
        leaves.append(tree)
        return PyTreeSpec(None, None, [], [], none_is_leaf, namespace)
    kind, metadata, children, entries = node
    specs = [_flatten(child, is_leaf, none_is_leaf, namespace, path + (entry,), paths, leaves)
             for child, entry in zip(children, entries)]
    return PyTreeSpec(kind, metadata, specs, entries, none_is_leaf, namespace)


def tree_flatten_with_path(tree, is_leaf=None, *, none_is_leaf=False, namespace=""):
    paths, leaves = [], []
    spec = _flatten(tree, is_leaf, none_is_leaf, namespace, (), paths, leaves)
    return paths, leaves, spec


def tree_flatten(tree, is_leaf=None, *, none_is_leaf=False, namespace=""):
    _, leaves, spec = tree_flatten_with_path(tree, is_leaf, none_is_leaf=none_is_leaf, namespace=namespace)
    return leaves, spec


def tree_paths(tree, is_leaf=None, *, none_is_leaf=False, namespace=""):
    return tree_flatten_with_path(tree, is_leaf, none_is_leaf=none_is_leaf, namespace=namespace)[0]


def tree_unflatten(treespec, leaves):
    return treespec.unflatten(leaves)


def tree_is_leaf(tree, is_leaf=None, *, none_is_leaf=False, namespace=""):
    spec = tree_flatten(tree, is_leaf, none_is_leaf=none_is_leaf, namespace=namespace)[1]
    return spec.num_nodes == 1 and spec.num_leaves == 1


def tree_map(func, tree, *rests, is_leaf=None, none_is_leaf=False, namespace=""):
    leaves, spec = tree_flatten(tree, is_leaf, none_is_leaf=none_is_leaf, namespace=namespace)
    return spec.unflatten(map(func, leaves, *[spec.flatten_up_to(r) for r in rests]))

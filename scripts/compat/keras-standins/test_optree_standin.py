"""Tests of the optree stand-in against optree's documented behaviour.

Every expected value comes from optree's documentation, not from the stand-in: the examples of its README
(sections "PyTrees", "Registering a Container-like Custom Type as Non-leaf Nodes", "Notes about the PyTree Type
Registry", "Key Ordering for Dictionaries") and of the docstrings of optree/ops.py (tree_flatten,
tree_flatten_with_path, tree_paths, tree_unflatten, tree_is_leaf, tree_map), its CHANGELOG ("Preserve dict key
order in the output of tree_unflatten, tree_map, and tree_map_with_path", #46) and the definition of
PyTreeSpec.num_nodes ("Number of leaf and interior nodes").

    /usr/bin/python3 scripts/compat/keras-standins/test_optree_standin.py
"""

import collections
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the stand-in, even where the real optree exists
import optree  # noqa: E402

DOC_TREE = {"b": (2, [3, 4]), "a": 1, "c": None, "d": 5}


class Box:
    def __init__(self, value):
        self.value = value


class MyDict(collections.UserDict):
    """The README's registered class: children in reverse-sorted key order, the keys as path entries."""

    def tree_flatten(self):
        reversed_keys = sorted(self.keys(), reverse=True)
        return [self[key] for key in reversed_keys], reversed_keys, reversed_keys

    @classmethod
    def tree_unflatten(cls, metadata, children):
        return cls(zip(metadata, children))


optree.register_pytree_node_class(MyDict, namespace="mydict")
optree.register_pytree_node(Box, lambda box: ((box.value,), None), lambda _, children: Box(children[0]),
                            namespace="box")


class FlattenTests(unittest.TestCase):
    def test_dict_values_in_sorted_key_order_none_a_node(self):
        self.assertEqual(optree.tree_flatten(DOC_TREE)[0], [1, 2, 3, 4, 5])

    def test_none_is_leaf_puts_none_among_the_leaves(self):
        self.assertEqual(optree.tree_flatten(DOC_TREE, none_is_leaf=True)[0], [1, 2, 3, 4, None, 5])

    def test_scalars_and_none(self):
        self.assertEqual(optree.tree_flatten(1)[0], [1])
        self.assertEqual(optree.tree_flatten(None)[0], [])
        self.assertEqual(optree.tree_flatten(None, none_is_leaf=True)[0], [None])

    def test_ordered_dict_keeps_insertion_order(self):
        tree = collections.OrderedDict([("b", (2, [3, 4])), ("a", 1), ("c", None), ("d", 5)])
        self.assertEqual(optree.tree_flatten(tree)[0], [2, 3, 4, 1, 5])
        self.assertEqual(optree.tree_flatten(tree, none_is_leaf=True)[0], [2, 3, 4, 1, None, 5])

    def test_equal_dicts_give_equal_leaves(self):
        self.assertEqual(optree.tree_flatten({"a": [1, 2], "b": [3]})[0], optree.tree_flatten({"b": [3], "a": [1, 2]})[0])

    def test_keys_that_do_not_compare_sort_by_type_name_then_key(self):
        self.assertEqual(optree.tree_flatten({"a": 3, 1: 2, 1.5: 1})[0], [1, 2, 3])  # keys [1.5, 1, 'a']

    def test_is_leaf_stops_the_traversal(self):
        leaves = optree.tree_flatten({"a": [1, 2], "b": [3]}, is_leaf=lambda x: isinstance(x, list))[0]
        self.assertEqual(leaves, [[1, 2], [3]])

    def test_node_and_leaf_counts(self):
        spec = optree.tree_flatten(1)[1]
        self.assertEqual((spec.num_nodes, spec.num_leaves), (1, 1))
        spec = optree.tree_flatten({"a": 1, "b": (2, 3)})[1]
        self.assertEqual((spec.num_nodes, spec.num_leaves), (5, 3))  # dict, 1, tuple, 2, 3


class PathTests(unittest.TestCase):
    def test_paths_of_the_documented_tree(self):
        paths, leaves, _ = optree.tree_flatten_with_path(DOC_TREE)
        self.assertEqual(paths, [("a",), ("b", 0), ("b", 1, 0), ("b", 1, 1), ("d",)])
        self.assertEqual(leaves, [1, 2, 3, 4, 5])
        self.assertEqual(optree.tree_paths(DOC_TREE, none_is_leaf=True),
                         [("a",), ("b", 0), ("b", 1, 0), ("b", 1, 1), ("c",), ("d",)])

    def test_paths_of_scalars_and_none(self):
        self.assertEqual(optree.tree_flatten_with_path(1)[:2], ([()], [1]))
        self.assertEqual(optree.tree_flatten_with_path(None)[:2], ([], []))
        self.assertEqual(optree.tree_flatten_with_path(None, none_is_leaf=True)[:2], ([()], [None]))

    def test_ordered_dict_paths(self):
        tree = collections.OrderedDict([("b", (2, [3, 4])), ("a", 1), ("c", None), ("d", 5)])
        self.assertEqual(optree.tree_paths(tree), [("b", 0), ("b", 1, 0), ("b", 1, 1), ("a",), ("d",)])


class RegistryTests(unittest.TestCase):
    def test_registered_class_with_entries(self):
        tree = MyDict(b=4, a=(2, 3), c=MyDict({"d": 5, "f": 6}))
        paths, leaves, spec = optree.tree_flatten_with_path(tree, namespace="mydict")
        self.assertEqual(paths, [("c", "f"), ("c", "d"), ("b",), ("a", 0), ("a", 1)])
        self.assertEqual(leaves, [6, 5, 4, 2, 3])
        self.assertEqual(optree.tree_unflatten(spec, leaves), tree)

    def test_registered_class_is_a_leaf_outside_its_namespace(self):
        tree = MyDict(b=4)
        self.assertEqual(optree.tree_flatten_with_path(tree)[:2], ([()], [tree]))

    def test_entries_default_to_child_indices(self):
        tree = {"weight": Box(1), "bias": Box(2)}
        self.assertEqual(optree.tree_paths(tree, namespace="box"), [("bias", 0), ("weight", 0)])
        rebuilt = optree.tree_unflatten(optree.tree_flatten(tree, namespace="box")[1], [20, 10])
        self.assertEqual((rebuilt["bias"].value, rebuilt["weight"].value), (20, 10))

    def test_the_same_type_twice_in_one_namespace_is_refused(self):
        with self.assertRaises(ValueError):
            optree.register_pytree_node(Box, lambda box: ((box.value,), None), lambda _, c: Box(c[0]), namespace="box")


class MapAndUnflattenTests(unittest.TestCase):
    def test_unflatten_inverts_flatten(self):
        leaves, spec = optree.tree_flatten(DOC_TREE)
        self.assertEqual(optree.tree_unflatten(spec, leaves), DOC_TREE)

    def test_unflatten_and_map_keep_the_dict_key_order(self):
        leaves, spec = optree.tree_flatten({"b": 1, "a": 2})
        self.assertEqual(list(optree.tree_unflatten(spec, leaves)), ["b", "a"])
        self.assertEqual(list(optree.tree_map(lambda x: x, {"b": 1, "a": 2})), ["b", "a"])

    def test_map_examples(self):
        self.assertEqual(optree.tree_map(lambda x: x + 1, {"x": 7, "y": (42, 64)}), {"x": 8, "y": (43, 65)})
        self.assertEqual(optree.tree_map(lambda x: x + 1, {"x": 7, "y": (42, 64), "z": None}),
                         {"x": 8, "y": (43, 65), "z": None})
        self.assertEqual(optree.tree_map(lambda x: x is None, {"x": 7, "y": (42, 64), "z": None}),
                         {"x": False, "y": (False, False), "z": None})
        self.assertEqual(optree.tree_map(lambda x: x is None, {"x": 7, "y": (42, 64), "z": None}, none_is_leaf=True),
                         {"x": False, "y": (False, False), "z": True})

    def test_map_over_several_trees_takes_the_first_as_prefix(self):
        self.assertEqual(optree.tree_map(lambda x, y: [x] + y, [5, 6], [[7, 9], [1, 2]]), [[5, 7, 9], [6, 1, 2]])

    def test_is_leaf(self):
        self.assertTrue(optree.tree_is_leaf(1))
        self.assertFalse(optree.tree_is_leaf(None))
        self.assertTrue(optree.tree_is_leaf(None, none_is_leaf=True))
        self.assertFalse(optree.tree_is_leaf({"a": 1, "b": (2, 3)}))


if __name__ == "__main__":
    unittest.main()

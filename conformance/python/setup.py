"""Builds the package with a copy of the repository's fixtures/ inside it (bnaxis_harness/fixtures), so an
installed plugin finds the suite from any directory. BNAXIS_BUNDLE_FIXTURES=0 leaves them out; the plugin then
finds them above the current directory or through --bnaxis-fixtures."""

import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures")


class BuildWithFixtures(build_py):
    def run(self):
        super().run()
        if os.environ.get("BNAXIS_BUNDLE_FIXTURES", "1") != "0" and os.path.isfile(os.path.join(FIXTURES, "manifest.json")):
            target = os.path.join(self.build_lib, "bnaxis_harness", "fixtures")
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(FIXTURES, target)


setup(cmdclass={"build_py": BuildWithFixtures})

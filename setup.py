"""What pyproject.toml cannot say: the repository's top-level assets/ folder is installed as the
package kiosk.assets. setuptools' package discovery takes no folder mapping of its own, and a
package list kept by hand would miss the next new package; everything else is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["kiosk*", "sync*"]), "kiosk.assets",
              *(f"kiosk.assets.{name}" for name in find_namespace_packages("assets"))],
    package_dir={"kiosk.assets": "assets"},
)

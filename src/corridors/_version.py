"""The version of corridors, read by the build (``[tool.hatch.version]``) and by outputs that cite it."""

__version__ = "0.2.0.dev0"

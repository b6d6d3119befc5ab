"""The app: the ``termalign`` command and the local web page, thin layers over the library."""

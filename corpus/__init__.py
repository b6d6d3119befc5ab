"""The corpus workspace: the store, the batch build, search and export over one store folder."""

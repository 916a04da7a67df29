"""The product queue (排品) dock: queue list, editor, run-order paste; see :mod:`ui.products.panel`."""

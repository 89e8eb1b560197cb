"""A shopper's orders: the built-in table or the shop's own API, behind one interface."""

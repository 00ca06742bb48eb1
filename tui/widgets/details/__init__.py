"""The details region: everything the estate says about the selected VNet."""

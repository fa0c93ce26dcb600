"""podnet.render"""

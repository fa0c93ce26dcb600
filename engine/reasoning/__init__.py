"""podnet.reasoning"""

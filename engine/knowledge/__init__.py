"""podnet.knowledge"""

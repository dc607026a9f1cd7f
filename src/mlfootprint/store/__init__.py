"""mlfootprint.store"""

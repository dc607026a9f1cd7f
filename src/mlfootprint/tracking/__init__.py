"""mlfootprint.tracking"""

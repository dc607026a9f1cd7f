"""mlfootprint.reduce"""

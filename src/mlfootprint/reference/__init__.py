"""mlfootprint.reference"""

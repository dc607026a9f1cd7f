"""mlfootprint.intensity"""

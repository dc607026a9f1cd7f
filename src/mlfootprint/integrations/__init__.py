"""mlfootprint.integrations"""

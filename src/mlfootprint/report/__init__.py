"""mlfootprint.report"""

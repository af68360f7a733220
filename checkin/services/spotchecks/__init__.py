"""spotchecks"""

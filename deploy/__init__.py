"""Deployment assets: the compose file and Dockerfile, and the runtime assets that ship as package
data (Kibana saved objects, Elasticsearch roles), read through importlib.resources."""

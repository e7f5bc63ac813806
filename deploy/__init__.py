"""Local multi-replica deployment: deploy/cluster.py (nginx + N Streamlit replicas)."""

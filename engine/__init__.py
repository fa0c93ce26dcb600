"""podnet: explainable diagnosis of Kubernetes Pod network failures."""

"""The local stack: moto's server standing in for AWS, Chalice's local server for API Gateway and Lambda."""

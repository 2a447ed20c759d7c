"""The cloud resources and the local stand-in that provisions the same ones on moto."""

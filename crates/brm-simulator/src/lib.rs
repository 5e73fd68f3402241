//! A stand-in of the robot service: same endpoints, shapes and errors.

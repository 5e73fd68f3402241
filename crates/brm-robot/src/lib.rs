//! Client of the robot service (Bot Phone RPA API).

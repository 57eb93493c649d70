import { OmitType } from '@nestjs/swagger';
import { CreateUserRequest } from '@shipyard/contracts';

/**
 * Self-service signup: an account's email, password and display name (same rules as an admin's
 * CreateUserRequest), never a role: signup always creates a viewer, so a `role` is refused (400) by
 * the strict validation pipe rather than silently ignored.
 */
export class SignupRequest extends OmitType(CreateUserRequest, ['role'] as const) {}

/**
 * The Sequelize floor: the least a function built on Sequelize can do to answer `GET /todos/{id}` —
 * one `Sequelize` instance (pg, credentials from the environment), the `Todo` model as Sequelize's
 * documentation writes one, one `findByPk`, a JSON response; no validation, logging or secrets.
 * Bundled with exactly the settings of the real functions (scripts/bundle.ts, stubs included), it
 * shows what Sequelize alone costs a cold start, apart from the project's own code.
 */
import pg from 'pg';
import { DataTypes, Model, Sequelize } from 'sequelize';
import type { Event, Response } from './getTodo';

class Todo extends Model {
  declare id: string;
  declare title: string;
  declare completed: boolean;
  declare createdAt: Date;
  declare updatedAt: Date;
}

const sequelize = new Sequelize(process.env.DB_NAME ?? '', process.env.DB_USER ?? '', process.env.DB_PASSWORD, {
  host: process.env.DB_HOST,
  port: Number(process.env.DB_PORT),
  dialect: 'postgres',
  dialectModule: pg,
  logging: false,
  pool: { max: 1, min: 0 },
});

Todo.init(
  {
    id: { type: DataTypes.UUID, primaryKey: true },
    title: { type: DataTypes.STRING(200), allowNull: false },
    completed: { type: DataTypes.BOOLEAN, allowNull: false },
    createdAt: { type: DataTypes.DATE(3), allowNull: false },
    updatedAt: { type: DataTypes.DATE(3), allowNull: false },
    version: { type: DataTypes.INTEGER, allowNull: false },
  },
  { sequelize, tableName: 'todos', modelName: 'Todo', underscored: true },
);

export async function handler(event: Event): Promise<Response> {
  const todo = await Todo.findByPk(event.pathParameters?.id);
  if (!todo) return { statusCode: 404, headers: { 'content-type': 'application/json' }, body: '{"error":"not found"}' };
  const body = { id: todo.id, title: todo.title, completed: todo.completed, createdAt: todo.createdAt.toISOString(), updatedAt: todo.updatedAt.toISOString() };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
